"""The workout-tracking app's records: completions of versioned routines by users, the second example."""
