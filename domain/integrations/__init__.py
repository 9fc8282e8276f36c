"""What the factory keeps about inbound integrations (DingTalk approvals, …): events already handled."""
