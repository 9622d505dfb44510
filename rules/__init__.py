"""The rules, as data: one YAML file per rule family, loaded through `reform_facts.rulebook`."""
