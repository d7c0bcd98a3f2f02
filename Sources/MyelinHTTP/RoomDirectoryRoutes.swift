import MatrixCore
import MyelinRooms

struct RoomDirectoryRoutes {
    let services: MatrixServices

    var routes: [Route] { [] }
}
