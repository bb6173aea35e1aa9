"""Agreement, comparison and merging: pure functions over plain data, one copy each."""
