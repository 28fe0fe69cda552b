/// Character classes the sentence splitter's rules are written in, as plain range checks on
/// Unicode scalar values (no tables, no Foundation).
///
/// Case is approximated for the scripts a sentence start is checked in: ASCII, Latin-1,
/// Latin Extended-A, Greek, Cyrillic and fullwidth Latin. A letter of any other script counts
/// as "non-Latin" and so as a plausible sentence start.
enum ScalarClass {
    /// Unicode White_Space: ASCII space and controls 09–0D, NEL, NBSP, ogham space, the
    /// U+2000 spaces, line and paragraph separators, narrow NBSP, medium math space and the
    /// ideographic space.
    @inline(__always)
    static func isWhiteSpace(_ v: UInt32) -> Bool {
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// Hangul syllables, jamo and compatibility jamo (ㅋ, ㅎ end informal sentences too).
    @inline(__always)
    static func isHangul(_ v: UInt32) -> Bool {
        (0xAC00...0xD7A3).contains(v) || (0x1100...0x11FF).contains(v) || (0x3131...0x318E).contains(v)
            || (0xFFA0...0xFFDC).contains(v)
    }

    /// Han ideographs (BMP, extension A, compatibility, supplementary planes) and kana.
    @inline(__always)
    static func isHanOrKana(_ v: UInt32) -> Bool {
        switch v {
        case 0x3041...0x30FF, 0x31F0...0x31FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF,
             0xFF66...0xFF9D, 0x20000...0x3134F:
            return true
        default:
            return false
        }
    }

    /// `.` `!` `?`, the ellipsis `…` and the doubled marks `‼ ⁇ ⁈ ⁉`.
    @inline(__always)
    static func isLatinTerminal(_ v: UInt32) -> Bool {
        switch v {
        case 0x2E, 0x21, 0x3F, 0x2026, 0x203C, 0x2047, 0x2048, 0x2049: return true
        default: return false
        }
    }

    /// CJK full stops: ideographic `。`, fullwidth `！ ？ ．` and halfwidth `｡`.
    @inline(__always)
    static func isCJKTerminal(_ v: UInt32) -> Bool {
        v == 0x3002 || v == 0xFF01 || v == 0xFF1F || v == 0xFF0E || v == 0xFF61
    }

    /// Marks that close a quotation or a bracket and stay with the sentence they end.
    @inline(__always)
    static func isCloser(_ v: UInt32) -> Bool {
        switch v {
        case 0x22, 0x27, 0x29, 0x5D, 0x7D,            // " ' ) ] }
             0xBB, 0x2019, 0x201D, 0x203A,            // » ’ ” ›
             0x3009, 0x300B, 0x300D, 0x300F, 0x3011, 0x3015, 0x3017, 0x3019, 0x301B, 0x301E, 0x301F,
             0xFF02, 0xFF07, 0xFF09, 0xFF3D, 0xFF5D, 0xFF63:
            return true
        default:
            return false
        }
    }

    /// Marks that open a quotation or a bracket (ASCII quotes are both; `¿ ¡` open Spanish
    /// sentences).
    @inline(__always)
    static func isOpener(_ v: UInt32) -> Bool {
        switch v {
        case 0x22, 0x27, 0x28, 0x5B, 0x7B, 0x60,      // " ' ( [ { `
             0xA1, 0xAB, 0xBF, 0x2018, 0x201A, 0x201C, 0x201E, 0x2039,
             0x3008, 0x300A, 0x300C, 0x300E, 0x3010, 0x3014, 0x3016, 0x3018, 0x301A, 0x301D,
             0xFF08, 0xFF3B, 0xFF5B, 0xFF62:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func isASCIIUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
    @inline(__always)
    static func isASCIILower(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }
    @inline(__always)
    static func isASCIILetter(_ b: UInt8) -> Bool { isASCIIUpper(b) || isASCIILower(b) }
    @inline(__always)
    static func isASCIIDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// ASCII and fullwidth digits.
    @inline(__always)
    static func isDigit(_ v: UInt32) -> Bool { (0x30...0x39).contains(v) || (0xFF10...0xFF19).contains(v) }

    /// Latin Extended-A alternates upper/lower case pairs; which of the pair is upper flips
    /// at U+0139 and back at U+014A, then again at U+0179.
    @inline(__always)
    static func latinExtendedAIsUpper(_ v: UInt32) -> Bool {
        switch v {
        case 0x0100...0x0137, 0x014A...0x0177: return v & 1 == 0
        case 0x0139...0x0148, 0x0179...0x017E: return v & 1 == 1
        case 0x0178: return true
        default: return false
        }
    }

    static func isUppercase(_ v: UInt32) -> Bool {
        switch v {
        case 0x41...0x5A: return true
        case 0xC0...0xDE: return v != 0xD7
        case 0x0100...0x017F: return latinExtendedAIsUpper(v)
        case 0x0386, 0x0388...0x03AB, 0x0400...0x042F, 0xFF21...0xFF3A: return true
        default: return false
        }
    }

    static func isLowercase(_ v: UInt32) -> Bool {
        switch v {
        case 0x61...0x7A: return true
        case 0xDF...0xFF: return v != 0xF7
        case 0x0100...0x017F: return !latinExtendedAIsUpper(v)
        case 0x0180...0x024F: return true   // Latin Extended-B: mostly lower; never a start
        case 0x03AC...0x03CE, 0x0430...0x045F, 0xFF41...0xFF5A: return true
        default: return false
        }
    }

    /// A letter (or digit) of a script other than Latin: Greek and Cyrillic capitals, Hangul,
    /// Han, kana, Arabic, Devanagari, … Excludes punctuation and symbol blocks, emoji, private
    /// use, U+FFFD and lowercase Greek/Cyrillic.
    static func isNonLatinLetter(_ v: UInt32) -> Bool {
        guard v >= 0x0370 else { return false }
        switch v {
        case 0x2000...0x2BFF, 0x3000...0x303F, 0xE000...0xF8FF, 0xFE00...0xFE6F, 0xFF00...0xFF0F,
             0xFF1A...0xFF20, 0xFF3B...0xFF40, 0xFF5B...0xFF65, 0xFFF0...0xFFFF, 0x1F000...0x1FAFF:
            return false
        default:
            return !isLowercase(v)
        }
    }

    /// What may begin an English sentence: an uppercase letter, a digit, an opening quote or
    /// bracket, or a letter of a non-Latin script.
    @inline(__always)
    static func isPlausibleSentenceStart(_ v: UInt32) -> Bool {
        if v < 0x80 {
            let b = UInt8(v)
            return isASCIIUpper(b) || isASCIIDigit(b) || isOpener(v)
        }
        return isUppercase(v) || isDigit(v) || isOpener(v) || isNonLatinLetter(v)
    }
}
