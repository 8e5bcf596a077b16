"""The values that cross stages: frozen dataclasses and enums, importing nothing of
aksnews above them (releases, entries and facts, stored records, findings, messages,
inventory values and their JSON codecs)."""
