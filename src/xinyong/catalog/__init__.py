"""The credit information catalogue (T8): items, their fields and rules, as versioned reference data."""
