import { describe, expect, it } from 'vitest';
import { colourIsDark, learnerPath } from './learner';

describe('learnerPath', () => {
  it.each([
    ['/invitations/abc', true],
    ['/programs/data-skills', true],
    ['/programs/', false],
    ['/orgs/org_1/programs/prg_1', false],
    ['/orgs/org_1/programs', false],
    ['/', false],
  ])('%s', (path, want) => expect(learnerPath(path)).toBe(want));
});

describe('colourIsDark', () => {
  it.each([
    ['#1864ab', true], // the console's own blue: 6.2:1 with white
    ['#000000', true],
    ['#ffd43b', false], // yellow: white text unreadable
    ['#ffffff', false],
    ['', false],
    [undefined, false],
    ['blue', false],
  ])('%s', (hex, want) => expect(colourIsDark(hex)).toBe(want));
});
