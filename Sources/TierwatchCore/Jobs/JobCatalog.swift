import Digests

/// The job files of a jobs folder.
package struct JobCatalog {
    package let directory: String

    package init(directory: String) { self.directory = directory }

    /// Job ids (file stems of `*.json`), sorted.
    package func ids() -> [String] {
        FileTree.list(directory).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }
    }

    /// Loads one job; `.badJob` lists every problem with its JSON path.
    package func load(_ id: String) throws(TierwatchError) -> JobDefinition {
        let file = directory + "/" + id + ".json"
        guard let bytes = FileTree.readFile(file) else {
            let known = ids()
            throw TierwatchError(
                .usage, "no job \"\(id)\": \(file) does not exist" + (known.isEmpty ? "" : " (jobs: \(known.joined(separator: ", ")))"))
        }
        return try JobDefinition.read(
            id: id, file: file, data: bytes, hash: Hex.encode(SHA256.hash(bytes)))
    }
}
