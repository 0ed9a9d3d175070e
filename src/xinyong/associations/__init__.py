"""Industry associations (T31): member lists and the association's own member credit information."""
