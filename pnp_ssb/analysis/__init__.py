"""What a solution means: profiles and fields, KPFM, band diagrams, circuits, the summary."""
