// What the learner's pages need outside React: which paths are theirs, and
// whether an organisation's brand colour can carry white text.

/** learnerPath says whether a path is one of the learner's pages (the links of their emails), not the console's. */
export function learnerPath(p: string): boolean {
  return /^\/(invitations|programs)\/[^/]/.test(p);
}

/** colourIsDark says whether white text on the colour keeps a 4.5:1 contrast (WCAG AA). */
export function colourIsDark(hex?: string): boolean {
  const m = hex && /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return false;
  const lin = (c: string) => {
    const v = parseInt(c, 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin(m[1]) + 0.7152 * lin(m[2]) + 0.0722 * lin(m[3]);
  return 1.05 / (l + 0.05) >= 4.5;
}
