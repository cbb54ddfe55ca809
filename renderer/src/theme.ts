import type { Settings } from '../../core/api/contract.js'

export type ThemeSetting = Settings['theme']

/**
 * Applies the theme to the page. "system" removes the attribute, so the CSS
 * follows `prefers-color-scheme` live, with no listener to keep in sync.
 */
export function applyTheme (theme: ThemeSetting, root: HTMLElement = document.documentElement): void {
  if (theme === 'system') delete root.dataset.theme
  else root.dataset.theme = theme
}
