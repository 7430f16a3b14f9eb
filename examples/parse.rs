fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut map = kpi::diag::SourceMap::new();
    let id = map.add(path.into(), text.clone());
    let (f, d) = kpi::syntax::dsl::parse_file(id, &text);
    println!("{} items", f.items.len());
    for i in &f.items {
        println!("{:?}", i);
    }
    print!("{}", kpi::diag::render_all(&map, &d, false));
}
