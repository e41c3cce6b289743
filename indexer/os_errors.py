"""OS errors in words people know, Vietnamese and English: settings, the CLI and ingestion all report them, so the
table lives below all three."""

from __future__ import annotations

import errno

# errno -> (Vietnamese, English): the OS errors people meet when adding files, in words they know.
_OS_REASONS: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("không tìm thấy tệp hoặc thư mục", "no such file or folder"),
    errno.EACCES: ("không có quyền truy cập", "permission denied"),
    errno.EPERM: ("không được phép thao tác", "operation not permitted"),
    errno.EISDIR: ("đây là thư mục", "this is a folder"),
    errno.ENOTDIR: ("một phần của đường dẫn không phải là thư mục", "a part of the path is not a folder"),
    errno.ENAMETOOLONG: ("tên tệp hoặc đường dẫn quá dài", "the file name or path is too long"),
    errno.EROFS: ("thư mục nằm trên ổ chỉ đọc (read-only)", "the folder is on a read-only file system"),
    errno.ENOSPC: ("ổ đĩa đã đầy", "no space left on the disk"),
    errno.EDQUOT: ("đã vượt hạn mức dung lượng ổ đĩa", "disk quota exceeded"),
    errno.EEXIST: ("tệp đã tồn tại", "the file already exists"),
    errno.EIO: ("lỗi đọc/ghi ổ đĩa", "input/output error"),
    errno.EMFILE: ("mở quá nhiều tệp cùng lúc", "too many open files"),
}


def os_reason(exc: OSError) -> tuple[str, str]:
    """An OS error as (Vietnamese, English) words, never a raw «[Errno 36] …»; unknown errors keep their text."""
    vi_en = _OS_REASONS.get(exc.errno or 0)
    if vi_en is not None:
        return vi_en
    raw = exc.strerror or type(exc).__name__
    return f"lỗi hệ điều hành: {raw}", f"operating system error: {raw}"
