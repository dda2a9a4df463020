"""What the pipeline knows about the Kazakh language (and the Russian around it)."""
