// Building DOM without HTML strings: text only ever goes in through text nodes
// (`textContent`), so nothing read from the page or the backend can become markup.

/**
 * Create an element. `attributes` are set with setAttribute (`on` holds event handlers,
 * `hidden`/`disabled`/`checked`/`value` are set as properties); children are nodes or
 * strings (strings become text nodes); null/false children are skipped.
 */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) {
        node.addEventListener(event, handler);
      }
    } else if (["hidden", "disabled", "checked", "value", "selected"].includes(name)) {
      node[name] = value;
    } else if (value !== null && value !== undefined && value !== false) {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace every child of `node`. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

/** Set an element's text (and hide it when there is none, if asked). */
export function setText(node, text, { hideWhenEmpty = false } = {}) {
  node.textContent = text ?? "";
  if (hideWhenEmpty) {
    node.hidden = !text;
  }
}
