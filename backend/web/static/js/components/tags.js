/**
 * A tag editor: chips with a remove button each, and a text input where Enter or a comma
 * adds what was typed (Backspace in an empty input removes the last tag).
 */

import { h } from '../dom.js';
import { icon } from '../icons.js';

export function normaliseTags(tags) {
  const seen = new Map();
  for (const raw of tags) {
    const tag = String(raw).trim();
    if (tag && !seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
  }
  return [...seen.values()];
}

/**
 * @param {object} options
 * @param {string} options.id           id of the text input (what a <label for> points at)
 * @param {string[]} options.tags       the current tags
 * @param {(tags: string[]) => void} options.onChange
 * @param {string} [options.inputTestId]
 * @param {string} [options.chipTestId]
 * @param {string} [options.describedBy]
 * @param {string} [options.placeholder]
 */
export function tagEditor({
  id,
  tags,
  onChange,
  inputTestId,
  chipTestId,
  describedBy,
  placeholder = 'Type a tag, then press Enter',
}) {
  let current = [...tags];
  const list = h('ul', { class: 'chips', 'aria-label': 'Tags' });
  const input = h('input', {
    id,
    type: 'text',
    class: 'tag-input',
    placeholder,
    autocomplete: 'off',
    'aria-describedby': describedBy,
    'data-testid': inputTestId,
  });

  const render = () => {
    list.replaceChildren(
      ...current.map((tag, index) =>
        h(
          'li',
          { class: 'chip', 'data-testid': chipTestId },
          h('span', { class: 'chip-text' }, tag),
          h(
            'button',
            {
              type: 'button',
              class: 'chip-remove',
              'aria-label': `Remove tag ${tag}`,
              onClick: () => {
                current = current.filter((_, i) => i !== index);
                render();
                onChange(current);
                input.focus();
              },
            },
            icon('close', 'icon icon-small'),
          ),
        ),
      ),
    );
    list.hidden = current.length === 0;
  };

  const commit = () => {
    const typed = input.value.split(',');
    if (!typed.some((part) => part.trim())) return false;
    input.value = '';
    current = normaliseTags([...current, ...typed]);
    render();
    onChange(current);
    return true;
  };

  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ',') {
      if (input.value.trim()) {
        event.preventDefault();
        commit();
      } else if (event.key === ',') {
        event.preventDefault();
      }
    } else if (event.key === 'Backspace' && !input.value && current.length) {
      current = current.slice(0, -1);
      render();
      onChange(current);
    }
  });
  input.addEventListener('change', commit);

  render();
  const element = h('div', { class: 'tag-editor' }, list, input);
  return { element, input, commit, tags: () => current };
}
