// The dashboard's static files: one test per way out of the web root that
// an attacker tries, each refused whatever the decoding or link.
#include <gtest/gtest.h>

#include "temp_folder.hpp"
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "server/static_files.hpp"

namespace fs = std::filesystem;
using flockcpp::detail::safe_relative_path;
using flockcpp::detail::StaticFiles;

namespace {

class StaticFilesTest : public testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::make_unique<flockcpp::testing_support::TempFolder>("flock-static");
    dir_ = folder_->path();
    fs::create_directories(dir_ / "web" / "assets");
    std::ofstream(dir_ / "web" / "index.html") << "<html>app</html>";
    std::ofstream(dir_ / "web" / "assets" / "a.js") << "js";
    std::ofstream(dir_ / "secret.txt") << "secret";
    fs::create_directories(dir_ / "outside");
    std::ofstream(dir_ / "outside" / "b.js") << "outside";
  }
  void TearDown() override { folder_.reset(); }
  StaticFiles files() const { return StaticFiles((dir_ / "web").string()); }
  std::unique_ptr<flockcpp::testing_support::TempFolder> folder_;
  fs::path dir_;
};

TEST_F(StaticFilesTest, ServesTheRootsOwnFiles) {
  auto f = files();
  EXPECT_EQ(f.serve("/")->body, "<html>app</html>");
  EXPECT_EQ(f.serve("/index.html")->body, "<html>app</html>");
  EXPECT_EQ(f.serve("/assets/a.js")->body, "js");
  EXPECT_EQ(f.serve("/assets/%61.js")->body, "js");  // one level of encoding is the URL's own
  EXPECT_FALSE(f.serve("/missing.js").has_value());
  EXPECT_FALSE(f.serve("/assets").has_value());  // a folder is not a file
}

TEST_F(StaticFilesTest, AbsolutePathsAreRefused) {
  auto f = files();
  for (const char* p : {"//etc/passwd", "///etc/passwd", "/%2fetc%2fpasswd", "/%2Fetc%2Fpasswd", "/%2f%2fetc/passwd",
                        "//proc/self/environ", "/%2fproc%2fself%2fenviron"}) {
    EXPECT_FALSE(f.serve(p).has_value()) << p;
    EXPECT_FALSE(safe_relative_path(p).has_value()) << p;
  }
}

TEST_F(StaticFilesTest, DotDotInAnyEncodingIsRefused) {
  auto f = files();
  for (const char* p : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                        "/.%2e/secret.txt", "/%2e./secret.txt", "/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt",
                        "/assets/%2e%2e%2f%2e%2e%2fsecret.txt", "/assets/../index.html", "/./index.html",
                        "/assets/./a.js", "/.."}) {
    EXPECT_FALSE(f.serve(p).has_value()) << p;
  }
}

TEST_F(StaticFilesTest, DoubleEncodingIsRefused) {
  auto f = files();
  for (const char* p : {"/%252e%252e/secret.txt", "/%252fetc%252fpasswd", "/assets/%2561.js", "/%25"}) {
    EXPECT_FALSE(f.serve(p).has_value()) << p;
  }
}

TEST_F(StaticFilesTest, BackslashesNulAndControlCharactersAreRefused) {
  auto f = files();
  for (const char* p : {"/..\\secret.txt", "/assets\\a.js", "/%5c..%5csecret.txt", "/%5C%2e%2e%5Csecret.txt",
                        "/index.html%00.js", "/index.html%00", "/assets/a.js%0a", "/%7f", "/%", "/%zz", "/%4"}) {
    EXPECT_FALSE(f.serve(p).has_value()) << p;
  }
  EXPECT_FALSE(f.serve(std::string_view("/index.html\0.js", 15)).has_value());
}

TEST_F(StaticFilesTest, EmptySegmentsAndRelativeTargetsAreRefused) {
  auto f = files();
  for (const char* p : {"", "index.html", "assets/a.js", "/assets//a.js", "/assets/a.js/", "http://x/index.html"}) {
    EXPECT_FALSE(f.serve(p).has_value()) << p;
  }
}

TEST_F(StaticFilesTest, SymbolicLinksOutOfTheRootAreRefused) {
  fs::create_symlink(dir_ / "secret.txt", dir_ / "web" / "secret.txt");
  fs::create_symlink(dir_ / "outside", dir_ / "web" / "out");
  fs::create_symlink("/etc/passwd", dir_ / "web" / "passwd");
  fs::create_symlink("../../secret.txt", dir_ / "web" / "assets" / "rel.txt");
  auto f = files();
  EXPECT_FALSE(f.serve("/secret.txt").has_value());
  EXPECT_FALSE(f.serve("/out/b.js").has_value());
  EXPECT_FALSE(f.serve("/passwd").has_value());
  EXPECT_FALSE(f.serve("/assets/rel.txt").has_value());
}

TEST_F(StaticFilesTest, SymbolicLinksInsideTheRootAreFollowed) {
  fs::create_symlink("assets/a.js", dir_ / "web" / "alias.js");
  EXPECT_EQ(files().serve("/alias.js")->body, "js");
}

TEST_F(StaticFilesTest, AWebRootThatIsALinkStillBoundsItsFiles) {
  fs::create_directory_symlink(dir_ / "web", dir_ / "web-link");
  StaticFiles f((dir_ / "web-link").string());
  EXPECT_EQ(f.serve("/assets/a.js")->body, "js");
  EXPECT_FALSE(f.serve("/../secret.txt").has_value());
  EXPECT_FALSE(f.serve("/%2e%2e/secret.txt").has_value());
}

TEST_F(StaticFilesTest, AMissingRootServesNothing) {
  StaticFiles f((dir_ / "nope").string());
  EXPECT_FALSE(f.serve("/").has_value());
  EXPECT_FALSE(f.serve("/index.html").has_value());
}

}  // namespace
