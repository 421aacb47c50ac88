import { IAppCategory } from '../api/types';

/**
 * The ranks @jupyterlab/launcher 4.6 gives its own categories when no item
 * of theirs sets `categoryRank` (lib/widget.js); every other category ranks
 * `Infinity`, after "Other", unless an item ranks it.
 */
export const BUILTIN_RANKS: { readonly [name: string]: number } = {
  Notebook: 0,
  Console: 20,
  Other: 100
};

/** The order of DESIGN.md, used until (or when) the server gives its own. */
export const DEFAULT_CATEGORIES: readonly IAppCategory[] = [
  'Notebook',
  'Console',
  'Applications',
  'Dashboards',
  'HPC Tools',
  'Documentation',
  'Other'
].map((name, rank) => ({ name, rank }));

/** The gap between two categories placed before the first or after the last builtin one. */
const STEP = 10;

/**
 * The launcher's `categoryRank` of every category in the server's order.
 *
 * The server ranks categories 0, 1, 2…, but the launcher keeps ranking the
 * categories of JupyterLab's own tiles (Notebook 0, Console 20, Other 100),
 * which carry no `categoryRank`. So the server's builtin categories are
 * anchors and the others are spread between them: with the default order,
 * Applications 36, Dashboards 52, HPC Tools 68, Documentation 84. A builtin
 * category the server puts out of the launcher's order (Other before
 * Console, say) is not an anchor but a category like the others, ranked by
 * the tiles this extension adds to it.
 */
export function categoryRanks(
  categories: readonly IAppCategory[]
): Map<string, number> {
  const sorted = categories
    .map((category, index) => ({ ...category, index }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(category => category.name);

  // The builtin categories the server lists in the launcher's own order.
  const anchors: { index: number; rank: number }[] = [];
  sorted.forEach((name, index) => {
    const rank = BUILTIN_RANKS[name];
    const last = anchors[anchors.length - 1];
    if (rank !== undefined && (!last || rank > last.rank)) {
      anchors.push({ index, rank });
    }
  });

  const ranks = new Map<string, number>();
  sorted.forEach((name, index) => {
    if (ranks.has(name)) {
      return;
    }
    const before = [...anchors].reverse().find(a => a.index <= index);
    const after = anchors.find(a => a.index >= index);
    let rank: number;
    if (before && after) {
      rank =
        before.index === after.index
          ? before.rank
          : before.rank +
            ((after.rank - before.rank) * (index - before.index)) /
              (after.index - before.index);
    } else if (before) {
      rank = before.rank + STEP * (index - before.index);
    } else if (after) {
      rank = after.rank - STEP * (after.index - index);
    } else {
      rank = STEP * index;
    }
    ranks.set(name, rank);
  });
  return ranks;
}
