#!/bin/bash
# t_style.sh - the code is formatted by the committed .clang-format, uses
# none of the banned functions (style-anchors.md habit 14), and cppcheck
# finds no error.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1

mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null)
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(find include lib src tests bench \
    -name '*.[ch]')

if clang-format --dry-run -Werror "${files[@]}" >"$TMP/fmt" 2>&1; then
	ok "clang-format: ${#files[@]} files formatted"
else
	head -20 "$TMP/fmt" | sed 's/^/# /'
	not_ok "clang-format: files differ from .clang-format"
fi

banned='\b(sprintf|vsprintf|strcpy|strcat|strncpy|strncat|strtok|strtok_r|gets|atoi|atol|sscanf|localtime|gmtime)[[:space:]]*\('
if grep -nE "$banned" "${files[@]}" >"$TMP/banned"; then
	sed 's/^/# /' "$TMP/banned"
	not_ok "no banned functions"
else
	ok "no banned functions (sprintf strcpy strcat strncpy strtok atoi sscanf gmtime ...)"
fi

if cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
    --inline-suppr --std=c11 -I include -I lib \
    --include="/usr/include/$(gcc -print-multiarch)/sys/queue.h" "${files[@]}" \
    >"$TMP/cppcheck" 2>&1; then
	ok "cppcheck: no warning"
else
	head -30 "$TMP/cppcheck" | sed 's/^/# /'
	not_ok "cppcheck: warnings"
fi
done_testing
