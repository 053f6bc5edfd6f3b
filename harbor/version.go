package harbor

// Version is harbor's release version. It is the one place the module states it:
// the User-Agent harbor sends, `harbor version` and the newest entry of
// CHANGELOG.md all read (or are checked against) this constant.
const Version = "0.3.0"
