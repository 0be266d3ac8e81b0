"""Package data: the built-in example and the data files of each stage."""
