fn main() {
    std::process::exit(sealbench::main());
}
