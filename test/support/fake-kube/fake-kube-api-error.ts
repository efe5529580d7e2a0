export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'Expired'
  | 'Gone';

const codes: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  AlreadyExists: 409,
  Conflict: 409,
  Expired: 410,
  Gone: 410,
  UnsupportedMediaType: 415,
  Invalid: 422,
};

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Array<{ type?: string; message?: string; field?: string }>;
}

/** A failure the fake API server answers with a `kind: Status` body, as the real one does. */
export class FakeKubeApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'FakeKubeApiError';
    this.reason = reason;
    this.code = codes[reason];
    this.details = details;
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export function notFound(qualifiedName: string, name: string, kind?: string): FakeKubeApiError {
  return new FakeKubeApiError('NotFound', `${qualifiedName} "${name}" not found`, {
    name,
    group: groupOf(qualifiedName),
    kind: kind ?? qualifiedName.split('.')[0],
  });
}

export function alreadyExists(qualifiedName: string, name: string): FakeKubeApiError {
  return new FakeKubeApiError('AlreadyExists', `${qualifiedName} "${name}" already exists`, {
    name,
    group: groupOf(qualifiedName),
    kind: qualifiedName.split('.')[0],
  });
}

export function conflict(qualifiedName: string, name: string): FakeKubeApiError {
  return new FakeKubeApiError(
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: groupOf(qualifiedName), kind: qualifiedName.split('.')[0] },
  );
}

export function invalid(kind: string, name: string, field: string, message: string): FakeKubeApiError {
  return new FakeKubeApiError('Invalid', `${kind} "${name}" is invalid: ${field}: ${message}`, {
    name,
    kind,
    causes: [{ type: 'FieldValueInvalid', message, field }],
  });
}

function groupOf(qualifiedName: string): string | undefined {
  const dot = qualifiedName.indexOf('.');
  return dot === -1 ? undefined : qualifiedName.slice(dot + 1);
}
