"""Lists (serious dishonesty, key attention, red, abnormal operations, judgment debtors), measures, bans and
supervision (rectification, interviews, special campaigns)."""
