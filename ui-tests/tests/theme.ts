import type { Locator } from '@playwright/test';

/** What a theme check compares: an element's style and a theme variable's value. */
export interface IThemedStyle {
  /** The element's computed value of the property. */
  actual: string;
  /** The same property of a probe element set to `var(<variable>)`. */
  expected: string;
  /** Whether JupyterLab's current theme is a dark one. */
  dark: boolean;
}

/**
 * An element's computed `property` beside the theme variable's own value, so
 * that a test can tell the element follows the theme instead of a hard-coded
 * colour.
 */
export async function themedStyle(
  locator: Locator,
  property: 'color' | 'borderLeftColor',
  variable: string
): Promise<IThemedStyle> {
  return locator.evaluate(
    (node, [property, variable]) => {
      const probe = document.createElement('span');
      probe.style[property as 'color'] = `var(${variable})`;
      node.parentElement!.appendChild(probe);
      const expected = getComputedStyle(probe)[property as 'color'];
      probe.remove();
      return {
        actual: getComputedStyle(node)[property as 'color'],
        expected,
        dark: document.body.dataset.jpThemeLight === 'false'
      };
    },
    [property, variable]
  );
}
