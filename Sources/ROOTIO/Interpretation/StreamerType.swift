/// Streamer element type codes (`TStreamerElement::fType`, `TLeafElement::fType`; §6.4 of the
/// format notes) that decide how a branch is read. The basic types 1…19 are in
/// ``ElementType/init(streamerCode:title:)``.
enum StreamerType {
    /// A fixed array `t x[n]` has code `fixedArrayOffset + t`.
    static let fixedArrayOffset = 20
    static let fixedArrays = 21 ... 39
    /// A pointer to an array sized by another member (`t* x //[n]`) has code `counterArrayOffset + t`.
    static let counterArrayOffset = 40
    static let counterArrays = 41 ... 59
    /// `UInt_t fBits` of `TObject` (kBits): 4 bytes, plus a 2-byte process id when `kIsReferenced` is set.
    static let bits = 15
    /// `char*` (kCharStar): an `i32` length, then the characters.
    static let charStar = 7
    /// `TString` (kTString).
    static let tString = 65
    /// An STL container member (kSTL).
    static let stl = 300
    /// `std::string` (kSTLstring).
    static let stlString = 365
    /// A member with a custom streamer (kStreamer), e.g. an STL collection of a split class.
    static let streamer = 500
    /// Codes of members stored the way an STL container is (byte count, version, contents).
    static let stlLike: Set<Int> = [stl, stlString, streamer]
}

/// `TBranchElement::fType`: what a branch of a split object holds.
enum BranchElementKind {
    /// The size of a split `TClonesArray` (one `Int_t` per entry).
    static let clonesArrayCounter = 3
    /// The size of a split STL collection (one `Int_t` per entry).
    static let stlCollectionCounter = 4
    /// A member of the objects in a split `TClonesArray`.
    static let clonesArrayMember = 31
    /// A member of the objects in a split STL collection.
    static let stlCollectionMember = 41
}
