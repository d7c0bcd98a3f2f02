import MatrixCore
import MyelinRooms

struct RoomReadRoutes {
    let services: MatrixServices

    var routes: [Route] { [] }
}
