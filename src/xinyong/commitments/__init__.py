"""Credit commitments: matters, commitments, fulfilment, breach, voluntary registration."""
