"""Reading the user's function: source → gast tree, and early rejection of unsupported syntax."""
