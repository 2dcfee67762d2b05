#!/bin/bash
# Writes the hand-made files of the fuzzing corpus (tests/fuzz/corpus/, docs/fuzzing.md) with
# DCMTK and GDCM command-line tools: the DX seed in every transfer syntax the decoder reads, and
# segmented palette colour images, valid and hostile. The outputs are committed; the replay test
# does not run this script. Usage: tests/fuzz/make_seeds.sh [corpus directory]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
corpus=${1:-$here/corpus}
dx=$here/../data/dicom/dx/dx_image.dcm
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The DX seed (169 x 211, 8 bits, MONOCHROME1) in the other transfer syntaxes.
dcmconv --write-xfer-implicit "$dx" "$corpus/xfer-implicit-dx.dcm"
dcmconv --write-xfer-big "$dx" "$corpus/xfer-bigendian-dx.dcm"
dcmconv --write-xfer-deflated "$dx" "$corpus/xfer-deflated-dx.dcm"
dcmcjpeg --encode-baseline "$dx" "$corpus/xfer-jpeg-baseline-dx.dcm"
dcmcjpeg --encode-lossless-sv1 "$dx" "$corpus/xfer-jpeg-lossless-dx.dcm"
dcmcjpls --encode-lossless "$dx" "$corpus/xfer-jpegls-dx.dcm"
dcmcrle "$dx" "$corpus/xfer-rle-dx.dcm"
gdcmconv --j2k "$dx" "$corpus/xfer-j2k-dx.dcm"

# Words of Segmented Palette Color Lookup Table Data (PS3.3 C.7.9.2), in dump2dcm's OW notation.
words() { local joined; joined=$(printf '%04x\\' "$@"); printf '%s' "${joined%\\}"; }
discrete() { echo 0 "$#" "$@"; }      # opcode 0, length, entries
linear() { echo 1 "$1" "$2"; }        # opcode 1, length, end value
indirect() { echo 2 "$1" "$2" 0; }    # opcode 2, segment count, byte offset (low word, high word 0)

# An 8 x 8, 8-bit palette colour ultrasound image whose three LUTs are the given word lists.
palette_image() {
    local out=$1 red=$2 green=$3 blue=$4 count=$5
    local pixels
    pixels=$(for i in $(seq 0 63); do printf '%02x\\' $((i * 4)); done)
    cat > "$scratch/image.dump" <<EOF
(0002,0010) UI =LittleEndianExplicit
(0008,0016) UI =UltrasoundImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.10.1011.1.$count]
(0008,0060) CS [US]
(0020,000d) UI [1.2.826.0.1.3680043.10.1011.2]
(0020,000e) UI [1.2.826.0.1.3680043.10.1011.3]
(0028,0002) US 1
(0028,0004) CS [PALETTE COLOR]
(0028,0010) US 8
(0028,0011) US 8
(0028,0100) US 8
(0028,0101) US 8
(0028,0102) US 7
(0028,0103) US 0
(0028,1101) US $count\\0\\16
(0028,1102) US $count\\0\\16
(0028,1103) US $count\\0\\16
(0028,1221) OW $red
(0028,1222) OW $green
(0028,1223) OW $blue
(7fe0,0010) OB ${pixels%\\}
EOF
    dump2dcm --line 1000000 --write-xfer-little "$scratch/image.dump" "$out"
}

# Valid: a discrete start, linear ramps, and an indirect segment repeating the first two; 256 entries.
valid=$(words $(discrete 0) $(linear 63 65535) $(linear 64 0) $(indirect 2 0) $(linear 64 65535))
ramp=$(words $(discrete 65535) $(linear 254 0) $(discrete 0))
palette_image "$corpus/palette-segmented.dcm" "$valid" "$ramp" "$valid" 256

# Hostile: 27 words announce half a million entries (a palette holds at most 65536); 703 words of
# linear segments and indirect segments repeating them announce 655 million (1.3 GB per channel
# before the expansion was bounded). The linear segments start at word 3, byte offset 6.
many_linear=$(words $(discrete 0) $(for i in $(seq 8); do linear 65535 $((i * 1000)); done))
palette_image "$corpus/palette-bomb-linear.dcm" "$many_linear" "$many_linear" "$many_linear" 0
linears=$(for i in $(seq 100); do linear 65535 $((i * 600)); done)
indirects=$(for i in $(seq 100); do indirect 100 6; done)
palette_image "$corpus/palette-bomb-indirect.dcm" "$(words $(discrete 0) $linears $indirects)" \
    "$(words $(discrete 0) $linears $indirects)" "$(words $(discrete 0) $linears $indirects)" 0
# Hostile: indirect segments that walk over empty segments add nothing, however often they repeat.
empties=$(for i in $(seq 50); do discrete; done)
walkers=$(for i in $(seq 50); do indirect 50 6; done)
palette_image "$corpus/palette-empty-indirect.dcm" "$(words $(discrete 0) $empties $walkers)" \
    "$(words $(discrete 0) $empties $walkers)" "$(words $(discrete 0) $empties $walkers)" 256

ls -l "$corpus"/xfer-* "$corpus"/palette-*
