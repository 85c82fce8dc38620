/**
 * A file (or a page, or a line) that cannot be imported. `position` says where, in the words a person
 * would use to find it: `line 12`, `record 3`, `entry 5 (2401.01234)`. The importer rejects the whole
 * file with this message and goes on with the next.
 */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly position?: string,
  ) {
    super(position ? `${position}: ${message}` : message);
    this.name = 'ImportError';
  }
}

/** An error answer from an upstream service (an OAI-PMH `<error>`, an arXiv API error entry). */
export class UpstreamError extends ImportError {
  constructor(
    readonly service: string,
    readonly code: string,
    detail: string,
  ) {
    super(`${service} error ${code}: ${detail}`);
    this.name = 'UpstreamError';
  }
}
