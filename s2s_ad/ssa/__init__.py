"""Three-address SSA: the intermediate form between the user's source and the derivative."""
