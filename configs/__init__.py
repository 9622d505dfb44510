"""The spaCy training configuration, as data (`reform_facts.extractors.training`)."""
