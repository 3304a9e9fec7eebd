"""The embedded local AWS runtime: the whole stack on one machine, no AWS account, no Docker.

``EmbeddedAws`` starts moto in-process with real Lambda execution, SQS event source pollers and the
gaps moto leaves filled; ``deploy_stack`` runs the Pulumi program into it.
"""

from embedded_aws.emulator import EmbeddedAws, EmulatorAlreadyRunning

__all__ = ["EmbeddedAws", "EmulatorAlreadyRunning"]
