// The upload of an image (an org's logo, a program's banner): the API
// signs an upload of this type and size, the browser PUTs the file there,
// and the id of the upload is then named in the settings, which check the
// bytes before taking it.
import { ApiError } from '../api/client';

/** imageTypes are the media types an uploaded image may have. */
export const imageTypes = ['image/png', 'image/jpeg'] as const;
export type ImageType = (typeof imageTypes)[number];

type Signed = { id: string; uploadUrl: string };

/**
 * uploadImage uploads the file through the upload that sign starts and
 * returns the upload's id. It throws an ApiError naming contentType for a
 * file that is not a PNG or JPEG, and one for a failed PUT.
 */
export async function uploadImage(file: File, what: string, sign: (body: { contentType: ImageType; size: number }) => Promise<Signed>): Promise<string> {
  const contentType = imageTypes.find((t) => t === file.type);
  if (!contentType) throw new ApiError(400, 'invalid', `the ${what} must be a PNG or JPEG image`, [{ field: 'contentType', message: 'must be a PNG or JPEG image' }]);
  const up = await sign({ contentType, size: file.size });
  const put = await fetch(up.uploadUrl, { method: 'PUT', headers: { 'Content-Type': contentType }, body: file });
  if (!put.ok) throw new ApiError(put.status, 'upload', `the ${what} upload failed (HTTP ${put.status}); try again`);
  return up.id;
}
