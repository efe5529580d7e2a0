import type { Application, ApplicationSource } from '../gitops/application.ts';
import type { RenderContext } from './render-context.ts';
import { type ErrorLocation, RenderError } from './render-error.ts';
import type { RepoFiles } from './repo-files.ts';
import {
  MemoryLimitExceededError,
  OutputTooLargeError,
  ToolFailedError,
  ToolTimeoutError,
} from './run-tool.ts';

/** One source of one application being rendered. */
export interface SourceJob {
  app: Application;
  source: ApplicationSource;
  ctx: RenderContext;
  files: RepoFiles;
  /** `application NAME: source PATH` — the prefix of every message about this source. */
  where: string;
  /** A private temp directory for this render (copies, value files); removed by the caller. */
  tempDir: string;
}

/** Rewrites temp-copy and checkout paths in tool output to repository-relative ones. */
export function scrubPaths(text: string, job: SourceJob, copyRoot?: string): string {
  let out = text;
  for (const prefix of [copyRoot, job.files.realRoot, job.ctx.root, job.tempDir]) {
    if (!prefix) continue;
    out = out.split(`${prefix}/`).join('').split(prefix).join('.');
  }
  return out;
}

/** The runTool options every render tool call shares: limits, sandbox and the render's scratch directory. */
export function toolLimits(job: SourceJob): {
  timeoutMs: number;
  maxOutputBytes: number;
  sandbox: SourceJob['ctx']['sandbox'];
  workDir: string;
} {
  return {
    timeoutMs: job.ctx.timeoutMs,
    maxOutputBytes: job.ctx.maxOutputBytes,
    sandbox: job.ctx.sandbox,
    workDir: job.tempDir,
  };
}

/** Turns a runTool failure into a user-facing RenderError naming the app, the source and the tool's message. */
export function toolRenderError(
  error: unknown,
  job: SourceJob,
  o: { step: string; copyRoot?: string; location?: ErrorLocation; hint?: string },
): unknown {
  const location = o.location ?? {};
  if (error instanceof ToolFailedError) {
    const message = scrubPaths(error.stderr || error.message, job, o.copyRoot).replace(/^error:\s*/i, '');
    return new RenderError(`${job.where}: ${o.step} failed: ${message}${o.hint ?? ''}`, location, {
      cause: error,
    });
  }
  if (error instanceof ToolTimeoutError) {
    return new RenderError(`${job.where}: ${o.step} timed out after ${error.timeoutMs / 1000}s`, location, {
      cause: error,
    });
  }
  if (error instanceof MemoryLimitExceededError) {
    return new RenderError(
      `${job.where}: ${o.step} exceeded the memory limit of ${error.maxMemoryBytes} bytes (render.maxMemoryBytes)`,
      location,
      { cause: error },
    );
  }
  if (error instanceof OutputTooLargeError) {
    return new RenderError(
      `${job.where}: ${o.step} output exceeded the limit of ${error.maxOutputBytes} bytes (render.maxOutputBytes)`,
      location,
      { cause: error },
    );
  }
  return error;
}
