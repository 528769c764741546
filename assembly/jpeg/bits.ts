// Entropy-coded segment boundaries (ITU-T T.81 B.1.1.5, F.2.2.5).
import { RST0 } from './markers';
import { Status } from '../shared';

/**
 * At the end of a restart interval: find the next marker at or after `pos` (bytes before it
 * are padding) and check that it is RSTn with n = `expected` (0..7). Returns the offset after
 * the marker, Status.TRUNCATED when the input ends first, Status.JPEG_BAD_RESTART for any other marker.
 */
export function syncRestart(src: usize, length: usize, pos: usize, expected: i32): isize {
  while (pos + 1 < length) {
    if (load<u8>(src + pos) == 0xff) {
      const next = <i32>load<u8>(src + pos + 1);
      if (next == 0 || next == 0xff) {
        pos += next == 0 ? 2 : 1;
        continue;
      }
      return next == RST0 + expected ? <isize>(pos + 2) : Status.JPEG_BAD_RESTART;
    }
    pos++;
  }
  return Status.TRUNCATED;
}
