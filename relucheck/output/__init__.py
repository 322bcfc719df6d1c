"""Output layer: atomic CSV/JSON writers with provenance, the paper-figure style, one plotting
function per figure (each reads only its table), and the printed claim table."""
