import { RenderError } from './render-error.ts';
import { OutputTooLargeError, ToolFailedError, ToolTimeoutError } from './run-tool.ts';

/** Wraps a tool failure into a user-facing RenderError; checkout and temp paths are made relative. */
export function toRenderError(error: unknown, prefix: string, paths: string[]): RenderError {
  if (error instanceof RenderError) return error;
  const known =
    error instanceof ToolFailedError ||
    error instanceof ToolTimeoutError ||
    error instanceof OutputTooLargeError;
  // Anything else (the tool could not be started, say) is still this app's failure, not the plan's.
  const message = error instanceof Error ? error.message : String(error);
  let detail = message;
  for (const path of paths) detail = detail.split(`${path}/`).join('').split(path).join('.');
  return new RenderError(`${prefix}: ${known ? detail : `could not run the tool: ${detail}`}`);
}
