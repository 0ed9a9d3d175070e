"""Exchange: reporting upward to the Jixi and provincial platforms (G2), API clients of third parties (T32)."""
