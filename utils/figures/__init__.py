"""Figures that move or respond: an HTML animation player, its animations, a shape explorer."""
