"""Build contexts, Dockerfiles and the model card as packaging reads it (`modelci package`)."""
