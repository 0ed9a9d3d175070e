"""Random inspections (双随机、一公开, seed task T16): item list, libraries, plans, verifiable draws, results."""
