"""A ceiling on uploads: a multipart body is refused before Django reads it when it is larger than the largest
import file plus the other fields (``IMPORT_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE``). Django's own limit
(``DATA_UPLOAD_MAX_MEMORY_SIZE``) leaves files out: without this, any logged-in page taking a file would stream a
body of any size to a temporary file first."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


def max_upload_bytes() -> int:
    return settings.IMPORT_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class BoundedUploadHandler(FileUploadHandler):
    """First of the upload handlers: checks the body's declared length, then lets the others do the work."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > max_upload_bytes():
            raise RequestDataTooBig(f"A request with files may have at most {max_upload_bytes():,} bytes.")

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None
