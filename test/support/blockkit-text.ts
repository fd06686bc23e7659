/**
 * Renders Slack Block Kit messages as plain text, the way a person would read them in the
 * client: used by the offline demo to show what Slack would display.
 */
type Json = Record<string, unknown>;

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'text' in value) return textOf((value as Json).text);
  return '';
}

/** Slack mrkdwn to terminal text: links show their label, entities are decoded. */
export function mrkdwnToText(mrkdwn: string): string {
  return mrkdwn
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/<!([a-z]+)>/g, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

function renderElement(element: Json): string {
  if (element.type === 'button') return `[ ${textOf(element.text)} ]`;
  if (element.type === 'mrkdwn' || element.type === 'plain_text') return mrkdwnToText(textOf(element));
  if (element.type === 'image') return `(image: ${String(element.alt_text ?? '')})`;
  return textOf(element.text ?? element);
}

export function blocksToText(blocks: readonly Json[], fallbackText = ''): string {
  if (blocks.length === 0) return mrkdwnToText(fallbackText);
  const out: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'header':
        out.push(`== ${textOf(block.text)} ==`);
        break;
      case 'section': {
        const parts: string[] = [];
        if (block.text) parts.push(mrkdwnToText(textOf(block.text)));
        const fields = Array.isArray(block.fields) ? (block.fields as Json[]) : [];
        if (fields.length > 0) parts.push(fields.map((f) => mrkdwnToText(textOf(f))).join('   |   '));
        if (block.accessory && typeof block.accessory === 'object') parts.push(renderElement(block.accessory as Json));
        out.push(parts.join('\n'));
        break;
      }
      case 'context':
        out.push(indent(((block.elements as Json[] | undefined) ?? []).map(renderElement).join('  ·  '), '  '));
        break;
      case 'actions':
        out.push(((block.elements as Json[] | undefined) ?? []).map(renderElement).join('  '));
        break;
      case 'divider':
        out.push('────────────────────────────────────────');
        break;
      case 'rich_text':
        out.push(JSON.stringify(block.elements));
        break;
      default:
        out.push(`(${String(block.type)} block)`);
    }
  }
  return out.join('\n');
}
