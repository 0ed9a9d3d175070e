"""The credit check every approval calls (T22), with the approver's feedback."""
