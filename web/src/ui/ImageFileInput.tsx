import { FileInput } from '@mantine/core';
import { imageTypes } from '../lib/imageUpload';
import { fieldError } from './states';

/**
 * ImageFileInput picks a PNG or JPEG to upload as "the <what>" (logo,
 * banner), and shows the error the API gave for the upload: on the field
 * named (logoUploadId, bannerUploadId), its size or its type.
 */
export function ImageFileInput({ what, description, value, onChange, error, field }: { what: string; description: string; value: File | null; onChange: (f: File | null) => void; error: unknown; field: string }) {
  return (
    <FileInput
      label={`New ${what}`}
      description={description}
      accept={imageTypes.join(',')}
      value={value}
      onChange={onChange}
      clearable
      clearButtonProps={{ 'aria-label': `Clear the chosen ${what}` }}
      error={fieldError(error, field) ?? fieldError(error, 'size') ?? fieldError(error, 'contentType')}
    />
  );
}
