"""The operator's command line: `onboarding-migration` (start, watch, approve, report, redrive, local)."""
