"""What `__main__.py` composes from, as plain data: the stack's settings, its functions' names and sizes,
what each function may call and reads from its environment, and the outputs it exports."""
