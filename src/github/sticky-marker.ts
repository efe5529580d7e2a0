import { formatCommentMarker, parseCommentMarker } from './comment-marker.ts';

/** How the parts of one sticky comment are marked and recognized. */
export interface StickyMarker {
  /** The hidden marker line of part `part` of `total` (no line end). */
  format(part: number, total: number): string;
  /** The part number when `body` starts with this sticky comment's marker, else undefined. */
  parse(body: string): number | undefined;
}

/** The plan comment of pull request `pr`: `<!-- mergeplane:plan pr=12 part=1/2 -->`. */
export function planStickyMarker(pr: number): StickyMarker {
  return {
    format: (part, total) => formatCommentMarker({ pr, part, total }),
    parse: (body) => {
      const marker = parseCommentMarker(body);
      return marker?.pr === pr ? marker.part : undefined;
    },
  };
}
