/**
 * Splits one CSV line into fields (RFC 4180 quoting: "a,b" and "" for a quote). Returns null when a
 * quote is left open, which the caller reports as a malformed line. Quoted fields spanning lines are
 * not supported: the logs we read keep one event per line.
 */
export function splitCsvLine(line: string): string[] | null {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}

/** Yields [1-based line number, line] for every non-blank line; tolerates \r\n endings. */
export function* numberedLines(text: string): Generator<[number, string]> {
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() !== '') yield [lineNo, line];
    start = end + 1;
  }
}
