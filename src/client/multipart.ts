// The multipart/form-data body of an S3 presigned POST, built by hand so every transport sends
// the same bytes with a length known up front: S3 refuses chunked POST bodies, and progress needs
// a total. Browser-safe (no Buffer).

export type UploadData = Blob | Uint8Array;

export interface MultipartFile {
  readonly filename: string;
  readonly contentType: string;
  readonly data: UploadData;
}

export interface MultipartBody {
  /** `multipart/form-data; boundary=...` */
  readonly contentType: string;
  /** Text parts encoded, then the file, then the closing boundary. */
  readonly segments: readonly UploadData[];
  readonly length: number;
}

const encoder = new TextEncoder();

/** S3 reads fields up to the file and ignores what follows, so the file must be the last field. */
export function encodeMultipart(fields: Readonly<Record<string, string>>, file: MultipartFile): MultipartBody {
  const boundary = `----liveness${randomHex(16)}`;
  let head = '';
  for (const [name, value] of Object.entries(fields)) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`;
  }
  head +=
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quote(file.filename)}"\r\n` +
    `Content-Type: ${file.contentType}\r\n\r\n`;
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(`\r\n--${boundary}--\r\n`);
  const fileBytes = file.data instanceof Uint8Array ? file.data.byteLength : file.data.size;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    segments: [headBytes, file.data, tailBytes],
    length: headBytes.byteLength + fileBytes + tailBytes.byteLength,
  };
}

/** As browsers do (HTML's multipart/form-data encoding): quotes and line breaks percent-encoded. */
function quote(value: string): string {
  return value.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

function randomHex(bytes: number): string {
  // getRandomValues, unlike randomUUID, also exists on plain-http pages (a phone on the LAN).
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (value) => value.toString(16).padStart(2, '0')).join('');
}
