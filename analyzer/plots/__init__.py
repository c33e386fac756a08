"""Figures: matplotlib Figures returned to the caller (never shown or saved here)."""
