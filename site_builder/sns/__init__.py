"""SNS posts: the queue, text fitting, network adapters and the ledger."""
